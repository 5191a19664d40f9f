"""District center (区政务服务中心): station API, back office, catalog publishing, console and CLI."""

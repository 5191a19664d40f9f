"""Attachments (扫描件): resumable uploads from stations and the encrypted blob store behind them."""

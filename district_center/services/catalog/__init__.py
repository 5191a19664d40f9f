"""The service catalog (事项清单): spreadsheet import and export, staging, signed publication, deltas,
the published view, and the holiday calendar (节假日安排) the district publishes with it."""

"""Cases (办件) at the center: ingest of station pushes, merge, per-station feeds, due dates and the back
office (后台分类审批)."""

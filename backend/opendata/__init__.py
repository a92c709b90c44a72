"""Open data: anonymised report exports (GeoJSON, CSV), heritage sites, and the datasets page."""

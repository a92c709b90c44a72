"""Open311 GeoReport v2 at /open311/v2/: a REST facade over the reports services."""

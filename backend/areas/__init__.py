"""Areas of the city (districts, wards) as polygons: which area a point is in."""

"""Tourism: heritage sites (POIs), journeys, search, offline packs, check-ins and reviews."""

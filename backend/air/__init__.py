"""Air quality: VN_AQI from the city's and OpenAQ's stations, and the alerts it sends by itself."""

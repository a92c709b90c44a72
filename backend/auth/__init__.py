"""Authentication (Firebase ID tokens) and the viewer."""

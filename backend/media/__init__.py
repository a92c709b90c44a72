"""Photos: uploaded, cleaned (orientation applied, metadata dropped), stored in GridFS, served."""

"""Search support: Vietnamese text normalisation and search keys."""

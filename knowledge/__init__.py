"""FAQ knowledge base: loading, validation, Vietnamese normalisation and question matching."""

"""Azure AI Document Intelligence for the AI factory: a service spec, its component, and a project type."""

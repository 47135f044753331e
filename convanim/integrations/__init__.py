"""Front ends beyond the command line: notebooks, the gallery, Sphinx and MkDocs."""

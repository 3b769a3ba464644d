"""The documents: the PDF summary rendered by WeasyPrint, its signature, the drawn signature."""

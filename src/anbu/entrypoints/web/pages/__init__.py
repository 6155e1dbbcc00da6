"""The server-rendered pages, one module per page or group of pages."""

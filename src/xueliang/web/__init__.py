"""Browser UI: built static files are served from web/static."""

"""The grid registry: admin areas, grids and members, standard addresses, buildings, housing units,
residents (encrypted, masked) and person–housing relations; bulk import; map tiles."""

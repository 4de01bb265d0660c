"""camera domain: devices, channels, checkpoints (tollgates) and lanes; catalog, sharing, admission."""

"""Example Python agents shipped with geopm-bridge."""

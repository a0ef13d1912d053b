"""The catalogues users pick from by id: units, fuels and electricity suppliers, with stable UUIDs."""

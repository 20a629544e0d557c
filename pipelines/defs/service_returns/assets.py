"""The support services' monitoring returns extract: landing partitions by quarter, the validated table and its checks."""
from pipelines.defs.source_family import source_assets

assets, asset_checks = source_assets("service_returns", "support services' monitoring returns")

"""The CPS London defendant finalisations extract: landing partitions by quarter, the validated table and its checks."""
from pipelines.defs.source_family import source_assets

assets, asset_checks = source_assets("cps_finalisations", "CPS London defendant finalisations")

"""Reports of an organization's figures: the GHG inventory (``inventory``), its ESRS E1 datapoints
(``esrs``) and its files (``files``: CSV and XLSX)."""

"""The administrators' command line (``ovirt-node-admin``): what it keeps and what it prints."""

"""The node boot agent: find the server, report the hardware, fetch and apply the configuration,
restart the network, verify the kernel, roll back on a difference, report how it went.

``discovery`` finds the server, ``hardware`` reads the machine under a root directory,
``credential`` keeps the node's credential, ``augeas_apply`` writes an augtool section with
python-augeas, ``network_files`` backs up and restores the files, ``network_stack`` restarts
and activates them, ``desired_network``/``kernel_state``/``verification`` compare the kernel
with the file, ``boot`` runs the steps.

May import: ``network`` (the pure model), ``config_file`` (the file's grammar, read strictly)
and the shared modules: nothing of the server, so that the base install (python-augeas and
dnspython) is enough on a node. Imported by: ``scripts/node_boot.py``.
"""

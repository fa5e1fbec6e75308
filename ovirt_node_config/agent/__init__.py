"""The node boot agent: find the server, report the hardware, fetch and apply the configuration.

``discovery`` finds the server, ``hardware`` reads the machine under a root directory,
``network_files`` backs up and restores ifcfg files, ``boot`` runs the steps and rolls back.
"""

"""The gateway facing the four agency services, in one place.

The agencies are the other holders of the shared picture: the gateway asks them over gRPC
(``directory``), takes in the events they publish (``handlers``) and repairs the picture against
what they hold (``reconcile``). What is done with an incident, a task answer or a unit once it
arrives belongs to its own domain folder; this folder is only the edge where agencies meet the
gateway.
"""

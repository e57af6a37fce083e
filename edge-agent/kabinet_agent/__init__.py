"""Kabinet edge agent: reads meters on a data concentrator and forwards the data to the cloud."""

__version__ = "0.1.0"

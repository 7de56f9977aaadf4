"""keikaku (計画): the Kansai regional industrial-promotion policy system."""

__version__ = "0.1.0"

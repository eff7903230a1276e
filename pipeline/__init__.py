"""meter-verify: checks consumers' meter photos so a distributor can bill from them."""

__version__ = "0.1.0"

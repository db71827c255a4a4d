"""Evidence files: reading, validating and typing them; one module per evidence
kind in `kinds/`. No PyMC here."""

"""Intermediary services (中介服务协同联动): the reports and surveys a project
needs written by qualified agencies (EIA, energy, soil and water, safety
evaluation, survey), offered, quoted, awarded and tracked as service
requests of kind ``intermediary``."""

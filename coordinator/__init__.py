"""拿地即开工: construction-project approval guidance and parallel-approval coordinator."""

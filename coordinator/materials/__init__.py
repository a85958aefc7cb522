"""An application's materials: the files the owner (or an intermediary)
provides for each material an item lists, stored content-addressed."""

"""帮办代办: agents who work a project on its owner's behalf, within what the owner granted (seed 003 (二)(十三))."""

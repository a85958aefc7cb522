"""Circulation of an item to the departments that must give an opinion (征求意见 / 联合审查)."""

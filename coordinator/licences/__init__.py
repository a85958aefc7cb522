"""Electronic licences (电子证照): issued when an item is approved, verified
publicly by their code, reused as materials of later items (免提交)."""

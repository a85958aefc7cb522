"""The record of broken 告知承诺 commitments (信用记录) and what it bars."""

"""办不成事: problem reports taken round the closed loop of the 政务服务办 (seed 003 (十五))."""

"""Advance utility service (水电气热报装靠前服务): hookup requests offered to
providers at project filing, claimed, and reported on until connected."""

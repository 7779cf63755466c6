"""The portal's areas, one module each beside the templates folder its pages come from."""

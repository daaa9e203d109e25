"""What chapter notebooks call: set-up and publishing (``chapter``), the interactive control panel (``panel``),
and the one vocabulary of cell tags (``tags``)."""

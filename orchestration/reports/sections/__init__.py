"""The QBR pack's sections, one module per chapter; ``qbr_data.build_pack`` puts them in order."""

"""The bundled rulebook (YAML data only). This file exists so that the rulebook ships as package data."""

"""Stream workers (faust): decode, call ``engine``, emit. No business logic here."""

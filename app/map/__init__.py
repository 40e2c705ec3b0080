"""The Folium map of the trainings: our own elements and the builder that assembles them."""

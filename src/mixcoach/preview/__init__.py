"""Before/after previews of a review's plan, rendered on the producer's own audio."""

"""What an officer does: each action checks the rules and writes in one transaction."""

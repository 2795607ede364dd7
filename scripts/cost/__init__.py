"""The cost report (`make cost`): estimated monthly cost of each environment from the synthesized templates."""

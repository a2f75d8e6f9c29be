"""What the law has the council publish, and when: Transparency Code files, Procurement
Act payments and notices, open contracting data, and the compliance calendar."""

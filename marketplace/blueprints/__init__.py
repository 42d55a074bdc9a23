"""Flask blueprints of the FlexMarket web application, one per resource."""

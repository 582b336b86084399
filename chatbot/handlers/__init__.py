"""Feature handlers, a module per feature; `bot.AnonymousChatBot.register_handlers` wires them up."""

print("metaprompt")

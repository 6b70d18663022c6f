"""Plans do not depend on the digits of a record's id: band 9 and band 10 sort
as numbers, so the same data and seed give the same plan whatever ids the
database hands out."""

from sampling import scheduling


def test_keys_sort_as_the_ids_they_stand_for():
    ids = [9, 10, 11, 100, 2]
    assert sorted(ids, key=scheduling.key) == sorted(ids)
    assert [int(scheduling.key(i)) for i in ids] == ids

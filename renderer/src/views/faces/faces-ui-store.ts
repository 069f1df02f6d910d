// UI state of the Faces view (not server state): which agent's faces are shown, which face is being searched,
// and the file a person dropped to search by.
import { create } from 'zustand';

export interface ChosenFace {
  agentId: string;
  faceId: string;
  /** Where the face came from, as a person would say it ("messi5.jpg, face 1"); null when opened by a link. */
  label: string | null;
}

interface FacesUiState {
  agentId: string;
  setAgent(agentId: string): void;
  chosen: ChosenFace | null;
  choose(face: ChosenFace | null): void;
  /** The Analyze item of a file dropped here; its first face is searched once it is analysed. */
  droppedLocalId: string | null;
  setDropped(localId: string | null): void;
  /** The person whose faces are shown in the persons list. */
  openPersonId: string | null;
  openPerson(personId: string | null): void;
}

export const useFacesUi = create<FacesUiState>((set) => ({
  agentId: 'local',
  setAgent: (agentId) => set({ agentId, chosen: null, openPersonId: null }),
  chosen: null,
  choose: (chosen) => set({ chosen }),
  droppedLocalId: null,
  setDropped: (droppedLocalId) => set({ droppedLocalId }),
  openPersonId: null,
  openPerson: (openPersonId) => set({ openPersonId }),
}));
